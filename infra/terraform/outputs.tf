output "cluster_name" {
  description = "ECS cluster; `modelgate config check --ecs-service <cluster>/<service>` reads what it runs."
  value       = aws_ecs_cluster.this.name
}

output "service_name" {
  description = "ECS service name."
  value       = aws_ecs_service.modelgate.name
}

output "task_definition_family" {
  description = "Task definition family."
  value       = aws_ecs_task_definition.modelgate.family
}

output "secret_arns" {
  description = "Secrets whose values must be set (aws secretsmanager put-secret-value) before the first deploy."
  value = {
    huggingface_api_key = aws_secretsmanager_secret.huggingface_api_key.arn
    database_url        = aws_secretsmanager_secret.database_url.arn
    redis               = aws_secretsmanager_secret.redis.arn
  }
}
