"""01 basic tool call: ask the time server for the current time in UTC."""
# expect: ^timezone: UTC$
# expect: ^time: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}
from servers.time import get_current_time

now = get_current_time(timezone="UTC")
print(f"timezone: {now['timezone']}")
print(f"time: {now['datetime']}")
