select
    feed_id,
    partition_day as day,
    fetched_at,
    status,
    status not in ('ok', 'not_modified', 'empty') as failed,
    entries_new
from {{ source('pipeline', 'feed_fetches') }}
