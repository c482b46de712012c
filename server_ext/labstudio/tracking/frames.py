"""The DataFrame cache SageMaker's analytics classes share (AnalyticsMetricsBase's contract)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


class CachedFrame:
    """`dataframe()` fetches once and keeps the result until `force_refresh` or `clear_cache()`."""

    _frame: pd.DataFrame | None = None

    def clear_cache(self) -> None:
        self._frame = None

    def dataframe(self, force_refresh: bool = False) -> pd.DataFrame:
        if force_refresh:
            self.clear_cache()
        if self._frame is None:
            self._frame = self._fetch()
        return self._frame

    def _fetch(self) -> pd.DataFrame:
        raise NotImplementedError
