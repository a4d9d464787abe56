"""How a source reference reads."""

from coach.models import Source


def test_a_reference_lists_authors_with_commas_and_an_ampersand_before_the_last() -> None:
    source = Source(
        title="An Integrative Framework for Collaborative Governance",
        authors=("Kirk Emerson", "Tina Nabatchi", "Stephen Balogh"),
        year=2012,
        publisher="JPART 22(1)",
        url="https://doi.org/10.1093/jopart/mur011",
    )
    assert source.reference() == (
        "Kirk Emerson, Tina Nabatchi & Stephen Balogh (2012). An Integrative Framework for "
        "Collaborative Governance. JPART 22(1). https://doi.org/10.1093/jopart/mur011"
    )


def test_a_reference_without_authors_starts_with_the_title() -> None:
    assert Source(title="Blijf balanceren").reference() == "Blijf balanceren"
