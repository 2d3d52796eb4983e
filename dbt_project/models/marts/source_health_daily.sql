{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns',
          pre_hook="{{ delete_day_window('day') }}") }}

with fetches as (
    select day, feed_id, count(*) as fetches, count(*) filter (where failed) as failures,
           sum(entries_new) as new_entries
    from {{ ref('stg_feed_fetches') }}
    where {{ day_window('day') }}
    group by day, feed_id
),
extraction as (
    select day, source_id as feed_id, count(*) as articles,
           count(*) filter (where status = 'ok') as extracted_ok,
           count(*) filter (where status in ('empty', 'summary_fallback', 'too_short')) as extracted_empty,
           count(*) filter (where status = 'paywalled') as paywalled,
           -- the publisher's opt-outs: feed metadata kept, page not fetched (robots) or not mined (TDM)
           count(*) filter (where status = 'robots_disallowed') as robots_disallowed,
           count(*) filter (where status = 'tdm_reserved') as tdm_reserved,
           count(*) filter (where status not in ('ok', 'empty', 'summary_fallback', 'too_short', 'paywalled',
                                                 'robots_disallowed', 'tdm_reserved')) as failed,
           count(*) filter (where is_french) as french_articles
    from {{ ref('stg_articles') }}
    where {{ day_window('day') }}
    group by day, source_id
)
select
    coalesce(f.day, e.day) as day,
    coalesce(f.feed_id, e.feed_id) as feed_id,
    coalesce(f.fetches, 0) as fetches,
    coalesce(f.failures, 0) as failures,
    coalesce(f.new_entries, 0) as new_entries,
    coalesce(e.articles, 0) as articles,
    coalesce(e.extracted_ok, 0) as extracted_ok,
    coalesce(e.extracted_empty, 0) as extracted_empty,
    coalesce(e.paywalled, 0) as paywalled,
    coalesce(e.failed, 0) as extraction_failed,
    coalesce(e.robots_disallowed, 0) as pages_robots_disallowed,
    coalesce(e.tdm_reserved, 0) as pages_tdm_reserved,
    case when coalesce(e.articles, 0) = 0 then null else e.french_articles / e.articles end as french_share
from fetches as f
full outer join extraction as e on f.day = e.day and f.feed_id = e.feed_id
