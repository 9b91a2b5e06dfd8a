locals {
  name           = "modelgate-${var.environment}"
  container_name = "modelgate"
  port           = 8001

  # Plain settings of the service. Secrets are in local.container_secrets (secrets.tf).
  # `modelgate config check` compares this list with src/config/schema.ts and .env.example.
  container_environment = {
    PORT                          = tostring(local.port)
    HOST                          = "0.0.0.0"
    NODE_ENV                      = "production"
    LOG_LEVEL                     = var.log_level
    MODELGATE_DATA_DIR            = "/var/lib/modelgate"
    HF_ENDPOINT                   = "https://huggingface.co"
    MODEL_CACHE_MAX_MB            = tostring(floor(var.memory / 2))
    MODELGATE_SHUTDOWN_TIMEOUT_MS = "25000"
    MODELGATE_SHUTDOWN_DRAIN_MS   = "5000"
    MODELGATE_REGISTER_EXAMPLE    = "true"
    MODELGATE_BOOTSTRAP_ADMIN_KEY = "false"
    # The load balancer's subnets: its X-Forwarded-For names the client (failed-attempt budget).
    TRUST_PROXY = join(",", var.ingress_cidr_blocks)
  }
}

resource "aws_ecs_cluster" "this" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/ecs/${local.name}"
  retention_in_days = var.log_retention_days
}

resource "aws_security_group" "service" {
  name        = "${local.name}-service"
  description = "modelgate API tasks"
  vpc_id      = var.vpc_id

  ingress {
    description = "HTTP API"
    from_port   = local.port
    to_port     = local.port
    protocol    = "tcp"
    cidr_blocks = var.ingress_cidr_blocks
  }

  egress {
    description = "Hugging Face Hub, PostgreSQL, Redis, AWS APIs"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_ecs_task_definition" "modelgate" {
  family                   = local.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  container_definitions = jsonencode([
    {
      name        = local.container_name
      image       = "${var.image_repository}:${var.image_tag}"
      essential   = true
      stopTimeout = 30
      portMappings = [
        { containerPort = local.port, protocol = "tcp" }
      ]
      environment = [
        for name, value in local.container_environment : { name = name, value = value }
      ]
      secrets = [
        for name, arn in local.container_secrets : { name = name, valueFrom = arn }
      ]
      healthCheck = {
        command     = ["CMD-SHELL", "node -e \"fetch('http://127.0.0.1:${local.port}/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))\""]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 30
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.this.name
          awslogs-region        = var.aws_region
          awslogs-stream-prefix = "api"
        }
      }
    }
  ])
}

resource "aws_ecs_service" "modelgate" {
  name                               = local.name
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.modelgate.arn
  desired_count                      = var.desired_count
  launch_type                        = "FARGATE"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = var.target_group_arn == "" ? null : 60

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.service.id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = var.target_group_arn == "" ? [] : [var.target_group_arn]
    content {
      target_group_arn = load_balancer.value
      container_name   = local.container_name
      container_port   = local.port
    }
  }
}
