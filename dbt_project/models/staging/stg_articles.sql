select
    article_id,
    partition_day as day,
    source_id,
    url,
    status,
    title,
    language,
    language = 'fr' as is_french,
    cluster_id,
    published_at,
    word_count
from {{ source('pipeline', 'articles') }}
