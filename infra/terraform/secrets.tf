# The secrets the service reads, as Secrets Manager secrets. Their values are set out of band
# (`aws secretsmanager put-secret-value`), never in Terraform, so they never reach the state.
# The task definition references them by ARN in `secrets`, and the execution role may read them.

resource "aws_secretsmanager_secret" "huggingface_api_key" {
  name        = "modelgate/${var.environment}/huggingface-api-key"
  description = "Hugging Face access token for models in private Hub repositories (HUGGINGFACE_API_KEY)."
}

resource "aws_secretsmanager_secret" "database_url" {
  name        = "modelgate/${var.environment}/database-url"
  description = "PostgreSQL connection URL with credentials (DATABASE_URL)."
}

resource "aws_secretsmanager_secret" "redis" {
  name        = "modelgate/${var.environment}/redis"
  description = "JSON {\"url\": \"rediss://...\", \"auth_token\": \"...\"} for REDIS_URL and REDIS_AUTH_TOKEN."
}

locals {
  # Variable name => secret reference (a JSON key of a secret uses the ":key::" suffix).
  container_secrets = {
    HUGGINGFACE_API_KEY = aws_secretsmanager_secret.huggingface_api_key.arn
    DATABASE_URL        = aws_secretsmanager_secret.database_url.arn
    REDIS_URL           = "${aws_secretsmanager_secret.redis.arn}:url::"
    REDIS_AUTH_TOKEN    = "${aws_secretsmanager_secret.redis.arn}:auth_token::"
  }
}
