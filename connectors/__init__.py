"""The connector library: one package per vendor (client, records, simulator) over a shared core."""
