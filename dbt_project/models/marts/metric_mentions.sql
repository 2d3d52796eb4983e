{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_day_window('day') }}") }}

select
    m.day,
    m.article_id,
    m.company_id,
    c.name as company_name,
    m.kind,
    m.unit,
    m.value,
    m.range_low,
    m.qualifier,
    m.noun,
    m.text,
    m.sentence,
    m.source_id,
    m.url
from {{ ref('stg_metric_mentions') }} as m
left join {{ source('pipeline', 'companies') }} as c using (company_id)
where {{ day_window('m.day') }}
