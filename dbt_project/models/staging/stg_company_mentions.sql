select
    m.article_id,
    m.partition_day as day,
    m.company_id,
    m.company_name,
    -- false for a company outside the knowledge base (its id is the slug of its name): unverified
    coalesce(m.known, true) as known,
    m.via,
    m.sentence,
    a.source_id,
    a.cluster_id,
    a.url
from {{ source('pipeline', 'company_mentions') }} as m
join {{ source('pipeline', 'articles') }} as a using (article_id)
