"""Spatial hotspots: places where many contributions lie close together, found with DBSCAN in
metres (RD New, EPSG:28992).

Only places people chose on the map count: input placed by picking a zone or a municipality from a
list sits on one stand-in point and would make false hotspots. Places are rounded to `snap_m`
metres and identical places are weighed by their number, which keeps the computation fast however
many people pick the same spot.

A contribution is in a hotspot when at least `min_samples` contributions lie within `eps_m`
metres of it (or it lies within `eps_m` of such a contribution). `min_samples` is at least
`min_samples_floor`, and at least `density_factor` times what an even spread over the round's area
would put in such a circle, and so many that an even (random) spread would give such a crowd
anywhere in the round with a chance below `chance`: a hotspot always means "clearly busier than
elsewhere", not a coincidence.
"""
import json
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely


@lru_cache(maxsize=1)
def _to_rd():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)


@lru_cache(maxsize=1)
def _to_wgs84():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)


def to_rd(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = _to_rd().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def area_m2(shape) -> float:
    """The area of a WGS84 polygon in square metres (via RD New)."""
    projected = shapely.transform(shape, lambda xy: np.column_stack(to_rd(xy[:, 0], xy[:, 1])))
    return float(projected.area)


@dataclass
class Hotspot:
    number: int  # 1 = the hotspot with most contributions
    rows: np.ndarray  # row numbers of its contributions, ascending
    centre: tuple[float, float]  # lon, lat
    radius_m: float  # furthest contribution from the centre
    geometry: dict  # GeoJSON polygon (WGS84): the hull of its places, widened by half of eps


@dataclass
class HotspotResult:
    hotspots: list[Hotspot]
    eligible: int  # contributions with a place chosen on the map
    min_samples: int
    expected_per_circle: float


def minimum_samples(n: int, expected: float, floor: int, factor: float, chance: float) -> int:
    """How many contributions (itself included) a place needs within eps to start a hotspot: at
    least `floor`, at least `factor` times the even-spread expectation, and so many that an even
    (random) spread would give such a crowd anywhere in the round with a chance below `chance`."""
    from scipy.stats import poisson

    by_chance = int(poisson.isf(chance / max(n, 1), expected)) + 2 if expected > 0 else 0
    return max(int(floor), int(math.ceil(factor * expected)), by_chance)


def find(lon: np.ndarray, lat: np.ndarray, eligible: np.ndarray, area, eps_m: float, min_samples_floor: int,
         density_factor: float, snap_m: float, chance: float = 0.01) -> HotspotResult:
    """Hotspots among the rows where `eligible` is true (and the place is known)."""
    from sklearn.cluster import DBSCAN

    rows = np.flatnonzero(eligible & ~np.isnan(lon) & ~np.isnan(lat))
    if len(rows) == 0:
        return HotspotResult([], 0, min_samples_floor, 0.0)
    x, y = to_rd(lon[rows], lat[rows])
    surface = area_m2(area) if area is not None else 0.0
    if surface <= 0:
        surface = max((x.max() - x.min()) * (y.max() - y.min()), 1_000_000.0)
    expected = len(rows) * math.pi * eps_m ** 2 / surface
    min_samples = minimum_samples(len(rows), expected, min_samples_floor, density_factor, chance)
    snapped = np.column_stack([np.round(x / snap_m), np.round(y / snap_m)]) * snap_m
    places, inverse, weights = np.unique(snapped, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    labels = DBSCAN(eps=eps_m, min_samples=min_samples, algorithm="kd_tree").fit(
        places, sample_weight=weights).labels_
    point_labels = labels[inverse]
    clusters = []
    for label in np.unique(labels[labels >= 0]):
        members = np.flatnonzero(point_labels == label)
        clusters.append(members)
    # Biggest first; equal sizes by their first contribution, so numbering never depends on DBSCAN.
    clusters.sort(key=lambda members: (-len(members), int(rows[members[0]])))
    hotspots = []
    for number, members in enumerate(clusters, start=1):
        mx, my = float(x[members].mean()), float(y[members].mean())
        radius = float(np.hypot(x[members] - mx, y[members] - my).max())
        hull = shapely.MultiPoint(np.unique(snapped[members], axis=0)).convex_hull.buffer(eps_m / 2, quad_segs=4)
        hull_wgs84 = shapely.transform(hull, _rd_to_lonlat)
        centre_lon, centre_lat = _to_wgs84().transform(mx, my)
        hotspots.append(Hotspot(number, np.sort(rows[members]), (round(centre_lon, 6), round(centre_lat, 6)),
                                round(radius), _rounded_geojson(hull_wgs84)))
    return HotspotResult(hotspots, len(rows), min_samples, round(expected, 3))


def _rd_to_lonlat(xy: np.ndarray) -> np.ndarray:
    lon, lat = _to_wgs84().transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def _rounded_geojson(shape) -> dict:
    return json.loads(shapely.to_geojson(shapely.set_precision(shape, 1e-6)))
