"""Climate drivers: potential evapotranspiration (Thornthwaite, Hargreaves) and the SPI / SPEI drought indices.

Functions take monthly series (numpy or pandas) or grids (numpy or xarray, time × y × x) and return the same
kind of object. They reproduce R SPEI 1.x; see :mod:`ruralmig.climate.indices` for the conventions.
"""

from __future__ import annotations

from ruralmig.climate.indices import accumulate, spei, spi
from ruralmig.climate.pet import hargreaves, thornthwaite
from ruralmig.climate.zonal import zonal_statistics, zone_raster

__all__ = ["accumulate", "hargreaves", "spei", "spi", "thornthwaite", "zonal_statistics", "zone_raster"]
