select
    l.article_id,
    l.partition_day as day,
    l.mention_index,
    l.company_id,
    l.status,
    l.counted,
    l.headcount,
    l.headcount_percent,
    l.sentence,
    l.cluster_id,
    a.source_id,
    a.url,
    a.title,
    a.published_at
from {{ source('pipeline', 'layoff_mentions') }} as l
join {{ source('pipeline', 'articles') }} as a using (article_id)
