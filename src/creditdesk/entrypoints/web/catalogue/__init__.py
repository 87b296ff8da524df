"""The catalogue's parts that came with issue 20, one module per capability; i18n merges them."""
