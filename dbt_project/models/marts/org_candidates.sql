-- Organisations the knowledge base does not know, proposed for curation (not counted anywhere).
select
    name,
    count(*) as mentions,
    count(distinct article_id) as articles,
    min(partition_day) as first_seen,
    max(partition_day) as last_seen,
    arg_min(sentence, partition_day) as example_sentence
from {{ source('pipeline', 'org_candidate_mentions') }}
group by name
