"""Console views, one module per area: auth (login, region, credentials, errors), ..."""
