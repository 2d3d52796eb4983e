select
    l.article_id,
    l.partition_day as day,
    l.mention_index,
    l.company_id,
    l.company_name,
    -- false for a company outside the knowledge base: unverified
    coalesce(l.known, true) as known,
    l.status,
    l.counted,
    l.headcount,
    l.headcount_percent,
    l.headcount_low,
    l.headcount_high,
    l.headcount_qualifier,
    l.rule,
    l.sentence,
    l.cluster_id,
    a.source_id,
    a.url,
    a.title,
    a.published_at
from {{ source('pipeline', 'layoff_mentions') }} as l
join {{ source('pipeline', 'articles') }} as a using (article_id)
