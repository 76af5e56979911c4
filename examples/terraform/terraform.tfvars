environment            = "prod"
allow_public_ingestion = true
