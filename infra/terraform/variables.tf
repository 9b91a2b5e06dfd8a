variable "aws_region" {
  description = "AWS region of the deployment."
  type        = string
  default     = "us-east-1"
}

variable "environment" {
  description = "Deployment environment; part of every name (modelgate-<environment>)."
  type        = string
  default     = "production"
}

variable "image_repository" {
  description = "ECR repository URL of the modelgate image (without a tag)."
  type        = string
  default     = "123456789012.dkr.ecr.us-east-1.amazonaws.com/modelgate"
}

variable "image_tag" {
  description = "Image tag to deploy (the git SHA in CI)."
  type        = string
  default     = "latest"
}

variable "vpc_id" {
  description = "VPC the service runs in."
  type        = string
  default     = "vpc-00000000000000000"
}

variable "private_subnet_ids" {
  description = "Private subnets for the tasks (no public IP)."
  type        = list(string)
  default     = ["subnet-00000000000000001", "subnet-00000000000000002"]
}

variable "ingress_cidr_blocks" {
  description = "Networks allowed to reach the API port (the load balancer's subnets)."
  type        = list(string)
  default     = ["10.0.0.0/16"]
}

variable "target_group_arn" {
  description = "ALB target group to register the tasks with; empty for none."
  type        = string
  default     = ""
}

variable "desired_count" {
  description = "Number of tasks. More than one needs DATABASE_URL and REDIS_URL (shared state)."
  type        = number
  default     = 2
}

variable "cpu" {
  description = "Task CPU units."
  type        = number
  default     = 1024
}

variable "memory" {
  description = "Task memory (MiB); half of it is the model cache budget."
  type        = number
  default     = 2048
}

variable "log_level" {
  description = "LOG_LEVEL of the service."
  type        = string
  default     = "info"
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention."
  type        = number
  default     = 30
}
