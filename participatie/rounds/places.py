"""Places a person can choose without the map: the municipalities of Provincie Utrecht.

Each has an approximate centre (lon, lat) of its main town; a contribution placed by municipality
gets that point, so it still shows on the map and in viewport queries, marked as an approximate place.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    name: str
    lon: float
    lat: float

    @property
    def key(self) -> str:
        """A stable value for forms: the name in lower case with dashes."""
        return self.name.lower().replace(" ", "-")


MUNICIPALITIES = (
    Place("Amersfoort", 5.387, 52.156),
    Place("Baarn", 5.288, 52.212),
    Place("Bunnik", 5.198, 52.066),
    Place("Bunschoten", 5.375, 52.243),
    Place("De Bilt", 5.180, 52.110),
    Place("De Ronde Venen", 4.862, 52.207),
    Place("Eemnes", 5.257, 52.254),
    Place("Houten", 5.168, 52.028),
    Place("IJsselstein", 5.043, 52.020),
    Place("Leusden", 5.431, 52.132),
    Place("Lopik", 4.945, 51.972),
    Place("Montfoort", 4.953, 52.046),
    Place("Nieuwegein", 5.083, 52.029),
    Place("Oudewater", 4.868, 52.025),
    Place("Renswoude", 5.540, 52.074),
    Place("Rhenen", 5.568, 51.959),
    Place("Soest", 5.303, 52.175),
    Place("Stichtse Vecht", 5.033, 52.135),
    Place("Utrecht", 5.121, 52.090),
    Place("Utrechtse Heuvelrug", 5.345, 52.033),
    Place("Veenendaal", 5.556, 52.027),
    Place("Vijfheerenlanden", 5.092, 51.991),
    Place("Wijk bij Duurstede", 5.343, 51.974),
    Place("Woerden", 4.884, 52.086),
    Place("Woudenberg", 5.416, 52.081),
    Place("Zeist", 5.233, 52.089),
)

_BY_KEY = {place.key: place for place in MUNICIPALITIES}


def place_by_key(key: str | None) -> Place | None:
    """The municipality for a form value (key or name, any case), or None."""
    if not key:
        return None
    key = key.strip().lower().replace(" ", "-")
    return _BY_KEY.get(key)
