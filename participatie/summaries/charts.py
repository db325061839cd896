"""Charts as SVG (matplotlib, no display needed). Each chart has a table with the same numbers next
to it on the page, so the chart itself is decoration for those who cannot see it."""
import io
from functools import lru_cache

COLOUR = "#01689b"  # Rijkshuisstijl hemelblauw: 5.6:1 against white


@lru_cache(maxsize=1)
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update({
        "svg.fonttype": "none",  # text stays text: small files, readable and searchable
        "svg.hashsalt": "participatie",  # fixed ids: the same numbers give the same file
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
    })
    import matplotlib.pyplot as plt

    return plt


def bar_chart(labels: list[str], values: list[int], title: str, horizontal: bool = False, every: int = 1) -> str:
    """A bar chart as SVG text. `every` shows only every n-th label (for long date axes)."""
    plt = _pyplot()
    count = max(1, len(values))
    if horizontal:
        fig, ax = plt.subplots(figsize=(7, max(1.6, 0.32 * count + 0.8)))
        positions = list(range(count))[::-1]
        ax.barh(positions, values or [0], color=COLOUR)
        ax.set_yticks(positions, labels or [""])
        for position, value in zip(positions, values):
            ax.annotate(str(value), (value, position), xytext=(3, 0), textcoords="offset points", va="center")
    else:
        fig, ax = plt.subplots(figsize=(7, 3))
        positions = list(range(count))
        ax.bar(positions, values or [0], color=COLOUR)
        ticks = positions[::every]
        ax.set_xticks(ticks, [labels[i] for i in ticks] if labels else [""], rotation=45, ha="right")
    ax.set_title(title)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return buffer.getvalue()
