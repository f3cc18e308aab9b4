"""The `storebridge` command line."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="storebridge",
    help="Integration pipelines on Prefect between storefronts and back offices.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Integration pipelines on Prefect between storefronts and back offices."""


@app.command()
def version() -> None:
    """Print the installed storebridge version."""
    from importlib.metadata import version as _version

    typer.echo(_version("storebridge"))


def main() -> None:
    """Console-script entry point."""
    app()
