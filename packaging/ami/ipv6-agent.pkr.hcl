# Bakes an Ubuntu 24.04 AMI with Docker and ipv6-agent installed and enabled.
#
#   packer init . && packer build -var deb_amd64=../../artifacts/release/ipv6-agent_V_amd64.deb .
#   packer build -var arch=arm64 -var deb_arm64=../../artifacts/release/ipv6-agent_V_arm64.deb .
#
# The agent does not run at bake time: every instance launched from the image has its own
# ENI, MAC and IPv6 addresses, so the first pass happens at that instance's first boot.

packer {
  required_plugins {
    amazon = {
      version = ">= 1.3.0"
      source  = "github.com/hashicorp/amazon"
    }
  }
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "arch" {
  type        = string
  default     = "amd64"
  description = "amd64 or arm64 (Graviton)."
  validation {
    condition     = contains(["amd64", "arm64"], var.arch)
    error_message = "The arch must be amd64 or arm64."
  }
}

variable "deb_amd64" {
  type        = string
  default     = ""
  description = "Path of ipv6-agent_VERSION_amd64.deb (packaging/build-deb.sh --arch amd64)."
}

variable "deb_arm64" {
  type        = string
  default     = ""
  description = "Path of ipv6-agent_VERSION_arm64.deb (packaging/build-deb.sh --arch arm64)."
}

variable "instance_type" {
  type    = string
  default = ""
}

variable "subnet_id" {
  type        = string
  default     = ""
  description = "Optional: a subnet to build in (the default VPC otherwise)."
}

locals {
  deb           = var.arch == "amd64" ? var.deb_amd64 : var.deb_arm64
  instance_type = var.instance_type != "" ? var.instance_type : (var.arch == "amd64" ? "t3.small" : "t4g.small")
  timestamp     = formatdate("YYYYMMDD-hhmm", timestamp())
}

source "amazon-ebs" "ubuntu" {
  region        = var.region
  instance_type = local.instance_type
  subnet_id     = var.subnet_id != "" ? var.subnet_id : null
  ssh_username  = "ubuntu"
  ami_name      = "ipv6-agent-ubuntu-24.04-${var.arch}-${local.timestamp}"
  ami_description = "Ubuntu 24.04 with Docker and ipv6-agent (enabled; runs at every boot)"

  source_ami_filter {
    filters = {
      name                = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${var.arch}-server-*"
      root-device-type    = "ebs"
      virtualization-type = "hvm"
    }
    owners      = ["099720109477"] # Canonical
    most_recent = true
  }

  # IMDSv2 only on the instances launched from this image.
  imds_support = "v2.0"
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }

  tags = {
    Name       = "ipv6-agent-ubuntu-24.04-${var.arch}"
    BuiltFrom  = "{{ .SourceAMI }}"
    Component  = "ipv6-agent"
  }
}

build {
  sources = ["source.amazon-ebs.ubuntu"]

  provisioner "file" {
    source      = "${path.root}/../../install.sh"
    destination = "/tmp/install.sh"
  }

  provisioner "file" {
    source      = local.deb
    destination = "/tmp/ipv6-agent.deb"
  }

  provisioner "shell" {
    execute_command = "sudo -E sh -eu '{{ .Path }}'"
    inline = [
      "cloud-init status --wait || true",
      "DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q",
      "DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q docker.io",
      # --no-start: installed and enabled, but no pass here. A pass now would write this build
      # instance's addresses into the image's netplan and daemon.json.
      "bash /tmp/install.sh --no-start /tmp/ipv6-agent.deb",
      "systemctl is-enabled ipv6-agent.service",
      "test ! -e /run/ipv6-agent/status.json",
      "test ! -e /etc/netplan/60-ipv6-agent.yaml",
      "rm -f /tmp/install.sh /tmp/ipv6-agent.deb",
      # Every instance boots as a new one: cloud-init runs its first-boot stages again.
      "cloud-init clean --logs --machine-id",
    ]
  }
}
