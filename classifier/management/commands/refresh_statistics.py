"""manage.py refresh_statistics: bring the SQLite query planner's statistics up to date (beat
runs it every ten minutes on SQLite; run it once after bringing in a big history). Safe to run
at any time: it holds SQLite's write lock for about 0.01 s at 200,000 faces."""

from django.core.management.base import BaseCommand
from django.db import connection

# Rows ANALYZE reads per index, within the 100 to 1000 SQLite suggests: a bounded pass costs the
# same however big the history (0.01 s at 200,000 faces), where a full one grows with it (0.25
# s there, holding the write lock) for slightly better choices (docs/benchmarks.md).
ANALYSIS_LIMIT = 1000


class Command(BaseCommand):
    help = "Refresh SQLite's statistics for the query planner (PostgreSQL keeps its own)."

    def handle(self, *args, **options):
        """SQLite never gathers statistics by itself: without them, at 110,000 photos, an
        owner's history took 126 ms a page where it takes 30 (docs/benchmarks.md)."""
        if connection.vendor != "sqlite":
            self.stdout.write("PostgreSQL's autovacuum keeps its statistics: nothing to do.")
            return
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            cursor.execute("ANALYZE")
        self.stdout.write("SQLite's statistics refreshed.")
