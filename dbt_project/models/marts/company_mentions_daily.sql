{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_day_window('day') }}") }}

select
    day,
    company_id,
    coalesce(any_value(c.name), any_value(m.company_name)) as company_name,
    bool_and(m.known) as known,
    count(*) as mentions,
    count(distinct article_id) as articles,
    count(distinct source_id) as sources,
    count(distinct cluster_id) as clusters
from {{ ref('stg_company_mentions') }} as m
left join {{ source('pipeline', 'companies') }} as c using (company_id)
where {{ day_window('day') }}
group by day, company_id
