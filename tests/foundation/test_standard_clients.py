"""Clients nobody here wrote: grpc's own health-checking and reflection clients."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

SERVICES = ("sales.v1.ChannelService", "sales.v1.SalesStatusService")


@pytest.mark.parametrize("name", ["", *SERVICES])
def test_health_check_answers_serving(service_process, name):
    health = health_pb2_grpc.HealthStub(service_process.channel())
    reply = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_health_check_of_an_unknown_service_is_not_found(service_process):
    health = health_pb2_grpc.HealthStub(service_process.channel())
    with pytest.raises(grpc.RpcError) as info:
        health.Check(health_pb2.HealthCheckRequest(service="sales.v1.Nope"), timeout=5)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


def test_reflection_lists_services_and_resolves_a_method(service_process):
    database = ProtoReflectionDescriptorDatabase(service_process.channel())
    services = database.get_services()
    assert set(SERVICES) <= set(services)
    assert "grpc.health.v1.Health" in services

    pool = DescriptorPool(database)  # FindMethodByName does not consult the database
    service = pool.FindServiceByName("sales.v1.SalesStatusService")
    method = service.methods_by_name["BatchGetSalesStatuses"]
    assert method.input_type.full_name == "sales.v1.BatchGetSalesStatusesRequest"
    assert method.output_type.fields_by_name["channels"].message_type.full_name == (
        "sales.v1.Channel"
    )
    create = pool.FindServiceByName("sales.v1.ChannelService").methods_by_name["CreateChannel"]
    assert "idempotency_key" in create.input_type.fields_by_name
