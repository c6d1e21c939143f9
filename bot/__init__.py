"""flowbot: the GitHub App that turns issues into reviewed integration flows."""
