-- One row per real-world layoff event, whatever the outlets: the resolution the Python asset
-- layoff_event_resolution wrote (core.events), with display names and the quoted article's title.
select
    e.event_id,
    e.company_id,
    coalesce(c.name, e.company_name) as company_name,
    -- false: the company is not in the knowledge base (found by the parser or NER), shown unverified
    e.known,
    e.status,
    e.headcount,
    e.headcount_low,
    e.headcount_high,
    e.headcount_percent,
    e.first_seen,
    e.last_seen,
    e.first_day,
    e.last_day,
    e.wave,
    e.articles,
    e.sources,
    e.mentions,
    e.changes,
    e.sentence,
    e.article_id,
    a.title as article_title,
    e.url,
    e.source_id,
    f.name as source_name
from {{ source('pipeline', 'layoff_event_resolution') }} as e
left join {{ source('pipeline', 'companies') }} as c using (company_id)
left join {{ source('pipeline', 'articles') }} as a on a.article_id = e.article_id
left join {{ source('pipeline', 'feeds') }} as f on f.feed_id = e.source_id
