"""Item pipelines and the Scrapy-free parsing modules they call."""
