-- Rolling mentions per company and day, and a spike flag from a Poisson tail test against the
-- 28 days before (a company going from 0 to 3 mentions is judged against its own baseline).
with days as (
    select company_id, unnest(generate_series(min(day), cast(max_day as date), interval 1 day))::date as day
    from {{ ref('company_mentions_daily') }},
         (select max(day) as max_day from {{ ref('company_mentions_daily') }})
    group by company_id, max_day
),
filled as (
    select d.company_id, d.day, coalesce(m.mentions, 0) as mentions
    from days as d
    left join {{ ref('company_mentions_daily') }} as m using (company_id, day)
),
rolling as (
    select
        company_id,
        day,
        mentions,
        sum(mentions) over (partition by company_id order by day rows between 6 preceding and current row) as mentions_7d,
        sum(mentions) over (partition by company_id order by day rows between 27 preceding and current row) as mentions_28d,
        coalesce(sum(mentions) over (partition by company_id order by day rows between 28 preceding and 1 preceding), 0) as baseline_28d
    from filled
),
scored as (
    select
        *,
        -- expected daily count: the 28-day baseline mean, floored so a silent company isn't infinitely surprising
        greatest(baseline_28d / 28.0, 0.1) as expected_daily
    from rolling
)
select
    s.company_id,
    c.name as company_name,
    s.day,
    s.mentions,
    s.mentions_7d,
    s.mentions_28d,
    s.expected_daily,
    {{ poisson_upper_tail('s.mentions', 's.expected_daily') }} as spike_p_value,
    s.mentions >= {{ var('spike_min_count') }}
        and {{ poisson_upper_tail('s.mentions', 's.expected_daily') }} < {{ var('spike_max_p_value') }} as is_spike
from scored as s
left join {{ source('pipeline', 'companies') }} as c using (company_id)
