{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_day_window('day') }}") }}

{%- set statuses = ['announced', 'planned', 'executed', 'postponed', 'contested', 'denied', 'negated', 'hypothetical', 'generic'] %}

select
    day,
    coalesce(company_id, 'generic') as company_id,
    coalesce(any_value(c.name), any_value(l.company_name)) as company_name,
    coalesce(bool_and(l.known), true) as known,
    count(distinct case when counted then cluster_id end) as counted_events,
    count(*) as mentions,
    {%- for status in statuses %}
    count(*) filter (where status = '{{ status }}') as {{ status }}_mentions,
    {%- endfor %}
    count(distinct article_id) as articles,
    count(distinct source_id) as sources,
    max(headcount) filter (where counted) as max_headcount,
    arg_min(url, coalesce(published_at, timestamptz '2999-01-01')) filter (where counted) as first_evidence_url
from {{ ref('stg_layoff_mentions') }} as l
left join {{ source('pipeline', 'companies') }} as c using (company_id)
where {{ day_window('day') }}
group by day, coalesce(company_id, 'generic')
