"""Rebuild the bundled demo data in src/ruralmig/datasets/data from the project's shared datasets.

Run once by a maintainer (needs the `geo` extra): python scripts/build_demo_data.py SHARED_DATA_DIR
The outputs are derived files; their sources and licences are listed in datasets/data/SOURCES.md.
"""

from __future__ import annotations

import re
import shutil
import sys
import unicodedata
from pathlib import Path

import geopandas as gpd
import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "src" / "ruralmig" / "datasets" / "data"
# Natural Earth 1:110m marks these with iso_a3 = -99.
NE_FIXES = {"Norway": "NOR", "France": "FRA", "Kosovo": "XKX"}


def _key(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]", "", ascii_name)


def admin0(shared: Path) -> gpd.GeoDataFrame:
    world = gpd.read_file(shared / "context/natural_earth_admin/naturalearth_lowres.shp")
    world["iso_a3"] = [NE_FIXES.get(n, c) for n, c in zip(world["name"], world["iso_a3"], strict=True)]
    world = world[world["iso_a3"] != "-99"]
    out = gpd.GeoDataFrame(
        {
            "area_id": world["iso_a3"],
            "name": world["name"],
            "admin_level": 0,
            "country_iso3": world["iso_a3"],
            "population": world["pop_est"].round(),
            "source": "Natural Earth 1:110m",
        },
        geometry=world.geometry.values,
        crs="EPSG:4326",
    )
    return out


def admin1(shared: Path, countries: set[str], pcodes: pd.DataFrame) -> gpd.GeoDataFrame:
    units = gpd.read_parquet(shared / "context/natural_earth_admin/ne_admin1_simplified.parquet")
    units = units[units["iso3"].isin(countries)].copy()
    level1 = pcodes[pcodes["Admin Level"] == 1]
    lookup = {(row.Location, _key(row.Name)): row._3 for row in level1.itertuples()}
    ids = []
    for iso3, hasc, name in zip(units["iso3"], units["hasc"], units["name"], strict=True):
        ids.append(lookup.get((iso3, _key(str(name))), hasc))
    units["area_id"] = ids
    units = units[units["area_id"].notna() & units["area_id"].astype(str).str.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._]*")]
    units = units.drop_duplicates("area_id")
    return gpd.GeoDataFrame(
        {
            "area_id": units["area_id"],
            "name": units["name"],
            "admin_level": 1,
            "parent_id": units["iso3"],
            "country_iso3": units["iso3"],
            "source": "Natural Earth admin-1 (simplified)",
        },
        geometry=units.geometry.values,
        crs="EPSG:4326",
    )


def ipc(shared: Path, pcodes: pd.DataFrame) -> pd.DataFrame:
    raw = pd.read_csv(shared / "context/ipc_food_insecurity/ipc_global_level1_long_latest.csv")
    raw = raw[(raw["Validity period"] == "current") & (raw["Phase"] == "3+")]
    level1 = pcodes[pcodes["Admin Level"] == 1]
    lookup = {(row.Location, _key(row.Name)): row._3 for row in level1.itertuples()}
    raw["area_id"] = [lookup.get((c, _key(str(n)))) for c, n in zip(raw["Country"], raw["Level 1"], strict=True)]
    matched = raw[raw["area_id"].notna()]
    rows = []
    for row in matched.itertuples():
        rows.append(
            {
                "area_id": row.area_id,
                "period": row.From,
                "indicator": "ipc_phase3plus_people",
                "value": row.Number,
                "unit": "persons",
                "source": "IPC",
            }
        )
        rows.append(
            {
                "area_id": row.area_id,
                "period": row.From,
                "indicator": "ipc_phase3plus_share",
                "value": row.Percentage,
                "unit": "fraction",
                "source": "IPC",
            }
        )
    return pd.DataFrame(rows).drop_duplicates(["area_id", "period", "indicator"])


def pcodes_hxl(pcodes: pd.DataFrame) -> pd.DataFrame:
    """The OCHA list with an HXL row, without the rows ruralmig rejects (codes with spaces, repeated codes)."""
    clean = pcodes[pcodes["P-Code"].str.fullmatch(r"[A-Za-z0-9._-]+") & ~pcodes["P-Code"].duplicated(keep="first")]
    tags = pd.DataFrame(
        [["#country+code", "#geo+admin_level", "#adm+code", "#adm+name", "#adm+code+parent", "#date+start"]],
        columns=pcodes.columns,
    )
    return pd.concat([tags, clean.astype(str)], ignore_index=True)


def main(shared: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    pcodes = pd.read_csv(shared / "context/ocha_global_pcodes/global_pcodes_adm_1_2.csv", encoding="utf-8-sig")
    countries = admin0(shared)
    countries.to_parquet(OUT / "ne_admin0.parquet", index=False)
    admin1(shared, set(countries["area_id"]), pcodes).to_parquet(OUT / "ne_admin1.parquet", index=False)
    ipc(shared, pcodes).to_csv(OUT / "ipc_phase3plus_admin1.csv", index=False)
    pcodes_hxl(pcodes).to_csv(OUT / "ocha_pcodes_adm1_2_hxl.csv", index=False)
    shutil.copyfile(shared / "climate/wfp_chirps_rainfall/moz_rainfall_adm2_5ytd.csv", OUT / "moz_rainfall_adm1.csv")
    print(f"demo data written to {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data"))
