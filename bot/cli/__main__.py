"""`python -m bot.cli`: the flowbot command."""

from bot.cli import main

main()
