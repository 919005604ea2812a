# Harbor City open data portal: an example Honua configuration written for
# config-mesh. Secrets come from each instance's own environment through
# env(...) references; they never travel between instances.

honua {
  version     = "1.0"
  environment = "staging"
  log_level   = "information"

  cors {
    allow_any_origin  = false
    allowed_origins   = ["https://maps.harbor-city.example", "https://data.harbor-city.example"]
    allow_credentials = false
    max_age           = 3600
  }
}

data_source "harbor_gis" {
  provider   = "postgresql"
  connection = env("HARBOR_GIS_URL")

  pool {
    min_size = 4
    max_size = 24
    timeout  = 15
  }

  health_check = "SELECT 1"
}

data_source "tidal_archive" {
  provider   = "sqlite"
  connection = "Data Source=/srv/honua/data/tides.db"

  pool {
    min_size = 1
    max_size = 4
  }
}

cache "tiles" {
  type        = "redis"
  enabled     = true
  connection  = "${env:HARBOR_REDIS_URL}"
  prefix      = "harbor:"
  ttl         = 900
  required_in = ["production"]
}

service "ogc_api" {
  enabled     = true
  item_limit  = 2000
  default_crs = "EPSG:4326"
}

service "wms" {
  enabled = true
  version = "1.3.0"
}

service "wfs" {
  enabled = true
  version = "2.0.0"
}

layer "piers" {
  title         = "Piers and Wharves"
  description   = "Berthing structures maintained by the port authority"
  data_source   = data_source.harbor_gis
  table         = "port.piers"
  id_field      = "pier_id"
  display_field = "name"

  geometry {
    column = "geom"
    type   = "MultiPolygon"
    srid   = 4326
  }

  services = [service.ogc_api, service.wms, service.wfs]
}

layer "navigation_buoys" {
  title         = "Navigation Buoys"
  data_source   = data_source.harbor_gis
  table         = "port.buoys"
  id_field      = "buoy_id"
  display_field = "designation"

  geometry {
    column = "geom"
    type   = "Point"
    srid   = 4326
  }

  services = [service.ogc_api, service.wms]
}

layer "tide_stations" {
  title       = "Tide Stations"
  data_source = data_source.tidal_archive
  table       = "stations"
  id_field    = "station_id"

  geometry {
    column = "geom"
    type   = "Point"
    srid   = 4326
  }

  services = [service.ogc_api]
}

rate_limit {
  enabled = true
  store   = "redis"

  rules {
    default = {
      requests = 600
      window   = "1m"
    }

    authenticated = {
      requests = 6000
      window   = "1m"
    }
  }
}
