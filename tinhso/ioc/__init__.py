"""The operations center (IOC): live province KPIs fed by every module's data source."""
