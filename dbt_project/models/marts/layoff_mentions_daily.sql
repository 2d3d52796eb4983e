-- Layoff mentions per company and day, every status visible, and the real-world EVENTS they report.
-- A full table, not a daily increment: which event a mention belongs to comes from the resolution over
-- every day (layoff_event_mentions), so one day's counts can change when another day is resolved.
{%- set statuses = ['announced', 'planned', 'executed', 'postponed', 'contested', 'denied', 'negated', 'hypothetical', 'generic'] %}

select
    l.day,
    coalesce(l.company_id, 'generic') as company_id,
    coalesce(any_value(c.name), any_value(l.company_name)) as company_name,
    coalesce(bool_and(l.known), true) as known,
    count(distinct e.event_id) as counted_events,
    count(*) as mentions,
    {%- for status in statuses %}
    count(*) filter (where l.status = '{{ status }}') as {{ status }}_mentions,
    {%- endfor %}
    count(distinct l.article_id) as articles,
    count(distinct l.source_id) as sources,
    max(l.headcount) filter (where l.counted) as max_headcount,
    arg_min(l.url, coalesce(l.published_at, timestamptz '2999-01-01')) filter (where l.counted) as first_evidence_url
from {{ ref('stg_layoff_mentions') }} as l
left join {{ ref('layoff_event_mentions') }} as e using (article_id, mention_index)
left join {{ source('pipeline', 'companies') }} as c on c.company_id = l.company_id
group by l.day, coalesce(l.company_id, 'generic')
