-- Which article, source and sentence support each layoff event (one row per counted mention).
select
    m.event_id,
    m.article_id,
    m.mention_index,
    m.company_id,
    m.source_id,
    f.name as source_name,
    m.cluster_id,
    m.day,
    m.published_at,
    m.status,
    m.headcount,
    m.sentence,
    a.title as article_title,
    a.url,
    m.is_founding
from {{ source('pipeline', 'layoff_event_resolution_mentions') }} as m
left join {{ source('pipeline', 'articles') }} as a using (article_id)
left join {{ source('pipeline', 'feeds') }} as f on f.feed_id = m.source_id
