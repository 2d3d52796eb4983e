"""The analysts' four charts (matplotlib, French labels), from the analysts' database only.

``python -m monitor_pipeline.analytics.charts`` (``make charts``) writes them as PNG under
data/charts/; notebooks/analyst_tour.ipynb draws the same figures inline.

1. layoff_events_per_week.png: counted layoff events per week, by status
2. top_companies.png: the most mentioned companies of the last 28 days and their 28-day trend
3. spikes.png: the mention spikes of the last 28 days against their expected level
4. largest_money_figures.png: the largest money amounts stated over the last 30 days
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from monitor_pipeline.analytics import queries

STATUS_LABELS = {"announced": "annoncé", "planned": "prévu", "executed": "effectué"}
STATUS_COLORS = {"announced": "#e6a23c", "planned": "#5b8ff9", "executed": "#d9534f"}
UNIT_LABELS = {"EUR": "€", "USD": "$", "GBP": "£"}
CHART_FILES = ("layoff_events_per_week.png", "top_companies.png", "spikes.png", "largest_money_figures.png")


def _empty(ax, message: str = "Aucune donnée sur la période") -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=12, color="#666")
    ax.set_xticks([])
    ax.set_yticks([])


def _french_day(day) -> str:
    return pd.Timestamp(day).strftime("%d/%m/%Y")


def layoff_events_chart(weekly: pd.DataFrame) -> Figure:
    fig, ax = plt.subplots(figsize=(9, 4.8), layout="constrained")
    ax.set_title("Événements de licenciement comptés, par semaine et par statut")
    if weekly.empty:
        _empty(ax)
        return fig
    table = weekly.pivot_table(index="week", columns="status", values="events", aggfunc="sum", fill_value=0)
    table = table.reindex(columns=[s for s in STATUS_LABELS if s in table.columns])
    labels = [f"sem. du {pd.Timestamp(w).strftime('%d/%m')}" for w in table.index]
    bottom = [0] * len(table)
    for status in table.columns:
        values = table[status].tolist()
        bars = ax.bar(labels, values, bottom=bottom, label=STATUS_LABELS[status], color=STATUS_COLORS[status],
                      width=0.6)
        ax.bar_label(bars, labels=[str(v) if v else "" for v in values], label_type="center", color="white")
        bottom = [b + v for b, v in zip(bottom, values)]
    if len(labels) < 4:
        ax.set_xlim(-1.5, len(labels) + 0.5)  # a few weeks: keep the bars from filling the width
    ax.set_ylabel("Événements (sociétés × histoires)")
    ax.set_xlabel("Semaine (lundi)")
    ax.legend(title="Statut")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return fig


def top_companies_chart(top: pd.DataFrame, trend: pd.DataFrame, days: int = 28) -> Figure:
    fig, (bars_ax, trend_ax) = plt.subplots(1, 2, figsize=(13, 5.2), layout="constrained",
                                            gridspec_kw={"width_ratios": [1, 1.3]})
    fig.suptitle(f"Sociétés les plus citées sur {days} jours et leur tendance")
    if top.empty:
        _empty(bars_ax)
        _empty(trend_ax)
        return fig
    ordered = top.iloc[::-1]
    bars = bars_ax.barh(ordered["company_name"], ordered["mentions"], color="#5b8ff9")
    bars_ax.bar_label(bars, padding=3)
    bars_ax.set_xlabel(f"Mentions sur {days} jours")
    bars_ax.set_title("Classement")
    trend_ax.set_title("Somme glissante des mentions sur 28 jours")
    if trend.empty:
        _empty(trend_ax)
    else:
        for company_id in top["company_id"].head(5):
            rows = trend[trend["company_id"] == company_id]
            if not rows.empty:
                trend_ax.plot(pd.to_datetime(rows["day"]), rows["mentions_28d"], marker="o",
                              label=rows["company_name"].iloc[0])
        trend_ax.set_ylabel("Mentions (28 jours glissants)")
        trend_ax.set_xlabel("Jour")
        last_day = pd.to_datetime(trend["day"]).max()
        trend_ax.set_xlim(last_day - pd.Timedelta(days=days), last_day + pd.Timedelta(days=1))
        trend_ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=8))
        trend_ax.xaxis.set_major_formatter(mdates.DateFormatter("%d/%m"))
        trend_ax.legend(title="Société", fontsize=9)
        trend_ax.set_ylim(bottom=0)
    return fig


def spikes_chart(spike_rows: pd.DataFrame, days: int = 28) -> Figure:
    height = max(3.5, 0.4 * len(spike_rows) + 1.5)
    fig, ax = plt.subplots(figsize=(10, height), layout="constrained")
    ax.set_title(f"Pics de mentions sur {days} jours (observé vs attendu)")
    if spike_rows.empty:
        _empty(ax, "Aucun pic de mentions sur la période")
        return fig
    ordered = spike_rows.iloc[::-1]
    labels = [f"{name} ({pd.Timestamp(day).strftime('%d/%m')})" for name, day in zip(ordered["company_name"], ordered["day"])]
    bars = ax.barh(labels, ordered["mentions"], color="#d9534f", label="mentions du jour")
    ax.scatter(ordered["expected_daily"], labels, color="black", marker="|", s=200, zorder=3,
               label="niveau attendu (moyenne des 28 jours précédents)")
    ax.bar_label(bars, labels=[f"p = {p:.1e}" for p in ordered["spike_p_value"]], padding=3, fontsize=8)
    ax.set_xlabel("Mentions dans la journée")
    ax.set_xlim(right=ordered["mentions"].max() * 1.35)
    ax.legend(loc="lower right", fontsize=9)
    return fig


def _money_label(row) -> str:
    who = row["company_name"] if isinstance(row["company_name"], str) else "(société non identifiée)"
    what = f" · {row['noun']}" if isinstance(row["noun"], str) else ""
    return f"{who}{what}"


def largest_money_chart(money: pd.DataFrame, days: int = 30) -> Figure:
    height = max(3.5, 0.45 * len(money) + 1.5)
    fig, ax = plt.subplots(figsize=(11, height), layout="constrained")
    ax.set_title(f"Plus gros montants cités sur {days} jours")
    if money.empty:
        _empty(ax)
        return fig
    ordered = money.iloc[::-1].reset_index(drop=True)
    ranks = range(len(ordered), 0, -1)  # the largest (rank 1) is drawn last, at the top
    labels = [f"{rank}. {_money_label(row)}" for rank, (_, row) in zip(ranks, ordered.iterrows())]
    colors = ["#5b8ff9" if unit == "EUR" else "#e6a23c" if unit == "USD" else "#999" for unit in ordered["unit"]]
    bars = ax.barh(labels, ordered["value"] / 1e9, color=colors)
    ax.bar_label(bars, labels=[f"« {t} »" for t in ordered["text"]], padding=3, fontsize=8)
    ax.set_xlabel("Montant (milliards, dans la devise citée)")
    ax.set_xlim(right=(ordered["value"].max() / 1e9) * 1.6)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in ("#5b8ff9", "#e6a23c")]
    ax.legend(handles, ["euros (€)", "dollars ($)"], title="Devise", loc="lower right", fontsize=9)
    return fig


def build_figures(conn) -> dict[str, Figure]:
    """The four figures, by file name."""
    top = queries.top_companies(conn)
    trend = queries.company_trend(conn, top["company_id"].head(5).tolist())
    return {
        "layoff_events_per_week.png": layoff_events_chart(queries.layoff_events_per_week(conn)),
        "top_companies.png": top_companies_chart(top, trend),
        "spikes.png": spikes_chart(queries.spikes(conn)),
        "largest_money_figures.png": largest_money_chart(queries.largest_money_figures(conn)),
    }


def write_charts(db_path: str | Path | None = None, out_dir: str | Path | None = None) -> dict[str, Path]:
    """Write the four PNGs; returns their paths by file name."""
    from monitor_pipeline.storage import warehouse

    db = Path(db_path or warehouse.analytics_path())
    if not db.is_file():
        raise FileNotFoundError(f"no analysts' database at {db}: run `make demo` (or the daily job) first")
    out = Path(out_dir or db.parent / "charts")
    out.mkdir(parents=True, exist_ok=True)
    with queries.connect(db) as conn:
        figures = build_figures(conn)
    written = {}
    for name, fig in figures.items():
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        written[name] = out / name
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitor_pipeline.analytics.charts", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=None, help="analysts' database (default data/analytics.duckdb)")
    parser.add_argument("--out", default=None, help="directory for the PNGs (default data/charts/)")
    args = parser.parse_args(argv)
    matplotlib.use("Agg")  # files only, no display needed
    try:
        written = write_charts(args.db, args.out)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in written.values():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
