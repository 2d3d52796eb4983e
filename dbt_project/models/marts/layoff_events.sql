-- One row per layoff event: a company plus the syndication cluster of the story (counted statuses only).
with counted as (
    select * from {{ ref('stg_layoff_mentions') }} where counted
),
ranked as (
    select
        *,
        row_number() over (
            partition by company_id, cluster_id
            order by coalesce(published_at, timestamptz '2999-01-01'), article_id, mention_index
        ) as rank_in_event
    from counted
)
select
    r.company_id || ':' || r.cluster_id as event_key,
    r.company_id,
    coalesce(c.name, r.company_name) as company_name,
    -- false: the company is not in the knowledge base (found by the parser or NER), shown unverified
    r.known,
    r.cluster_id,
    -- the strongest status wins: executed > announced > planned
    (select s from (select unnest(list(status)) as s from counted k
        where k.company_id = r.company_id and k.cluster_id = r.cluster_id)
     order by case s when 'executed' then 1 when 'announced' then 2 else 3 end limit 1) as status,
    (select max(headcount) from counted k where k.company_id = r.company_id and k.cluster_id = r.cluster_id) as headcount,
    (select min(headcount_low) from counted k where k.company_id = r.company_id and k.cluster_id = r.cluster_id) as headcount_low,
    (select max(headcount_high) from counted k where k.company_id = r.company_id and k.cluster_id = r.cluster_id) as headcount_high,
    (select max(headcount_percent) from counted k where k.company_id = r.company_id and k.cluster_id = r.cluster_id) as headcount_percent,
    (select count(distinct article_id) from counted k where k.company_id = r.company_id and k.cluster_id = r.cluster_id) as articles,
    (select count(distinct source_id) from counted k where k.company_id = r.company_id and k.cluster_id = r.cluster_id) as sources,
    r.sentence,
    r.article_id,
    r.title as article_title,
    r.url,
    r.source_id,
    f.name as source_name,
    r.published_at,
    r.day
from ranked as r
left join {{ source('pipeline', 'companies') }} as c using (company_id)
left join {{ source('pipeline', 'feeds') }} as f on f.feed_id = r.source_id
where r.rank_in_event = 1
