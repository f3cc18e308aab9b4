"""The one resilient HTTP layer every REST connector uses (httpx)."""
