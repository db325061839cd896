"""Which contributions lie in (or touch) which zone of the round's plan layers: an STRtree over the
zones, queried with every contribution's place at once."""
import numpy as np
import shapely


def contributions_per_zone(zone_shapes: list, lon: np.ndarray, lat: np.ndarray, shapes: dict) -> list[np.ndarray]:
    """For each zone, the row numbers (ascending) of the contributions inside or touching it.
    Points come from lon/lat; lines and areas (`shapes`: row → geometry) count when they intersect."""
    if not zone_shapes:
        return []
    tree = shapely.STRtree(zone_shapes)
    found = [[] for _ in zone_shapes]
    point_rows = np.array([i for i in np.flatnonzero(~np.isnan(lon)) if i not in shapes], dtype=np.int64)
    if len(point_rows):
        points = shapely.points(lon[point_rows], lat[point_rows])
        inputs, zones = tree.query(points, predicate="intersects")
        for zone in np.unique(zones):
            found[zone].append(point_rows[inputs[zones == zone]])
    if shapes:
        shape_rows = np.fromiter(shapes.keys(), dtype=np.int64, count=len(shapes))
        inputs, zones = tree.query([shapes[r] for r in shape_rows], predicate="intersects")
        for zone in np.unique(zones):
            found[zone].append(shape_rows[inputs[zones == zone]])
    return [np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64) for parts in found]
