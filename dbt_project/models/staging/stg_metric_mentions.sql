select
    m.article_id,
    m.partition_day as day,
    m.text,
    m.value,
    m.unit,
    m.kind,
    m.qualifier,
    m.noun,
    m.range_low,
    m.company_id,
    m.sentence,
    a.source_id,
    a.url
from {{ source('pipeline', 'numeric_facts') }} as m
join {{ source('pipeline', 'articles') }} as a using (article_id)
