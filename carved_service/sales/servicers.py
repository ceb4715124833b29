"""gRPC servicers of the sales service: translate messages, call operations, nothing more."""

from __future__ import annotations

import grpc

from carved_service.sales import convert, operations
from sales_api.v1 import channels_pb2, channels_pb2_grpc, sales_status_pb2, sales_status_pb2_grpc
from strangler.proto_enums import to_text
from strangler.server.errors import rpc

Context = grpc.ServicerContext


class ChannelService(channels_pb2_grpc.ChannelServiceServicer):
    @rpc
    def GetChannel(self, request, context: Context) -> channels_pb2.Channel:
        return convert.channel_message(operations.get_channel(request.id))

    @rpc
    def BatchGetChannels(self, request, context: Context) -> channels_pb2.BatchGetChannelsResponse:
        rows = operations.batch_get_channels(list(request.ids))
        found = {row.pk for row in rows}
        return channels_pb2.BatchGetChannelsResponse(
            channels=[convert.channel_message(row) for row in rows],
            missing_ids=sorted(set(request.ids) - found),
        )

    @rpc
    def ListChannels(self, request, context: Context) -> channels_pb2.ListChannelsResponse:
        after_id, limit = convert.page(request.page_size, request.page_token)
        rows = operations.list_channels(
            after_id=after_id,
            limit=limit + 1,
            kind=to_text(channels_pb2.ChannelKind, request.kind),
            active=request.active if request.HasField("active") else None,
            code=request.code or None,
        )
        rows, token = convert.page_and_token(rows, limit)
        return channels_pb2.ListChannelsResponse(
            channels=[convert.channel_message(row) for row in rows], next_page_token=token
        )

    @rpc
    def CreateChannel(self, request, context: Context) -> channels_pb2.Channel:
        row = operations.create_channel(
            code=request.code,
            name=request.name,
            kind=to_text(channels_pb2.ChannelKind, request.kind) or "",
            active=request.active,
        )
        return convert.channel_message(row)

    @rpc
    def UpdateChannel(self, request, context: Context) -> channels_pb2.Channel:
        kind = None
        if request.HasField("kind"):  # set to UNSPECIFIED is an error, not "unchanged"
            kind = to_text(channels_pb2.ChannelKind, request.kind) or ""
        row = operations.update_channel(
            request.id,
            name=request.name if request.HasField("name") else None,
            kind=kind,
            active=request.active if request.HasField("active") else None,
        )
        return convert.channel_message(row)

    @rpc
    def DeleteChannel(self, request, context: Context) -> channels_pb2.DeleteChannelResponse:
        operations.delete_channel(request.id)
        return channels_pb2.DeleteChannelResponse()


class SalesStatusService(sales_status_pb2_grpc.SalesStatusServiceServicer):
    @rpc
    def GetSalesStatus(self, request, context: Context) -> sales_status_pb2.SalesStatus:
        return convert.status_message(operations.get_status(convert.sale_key(request.sale)))

    @rpc
    def BatchGetSalesStatuses(
        self, request, context: Context
    ) -> sales_status_pb2.BatchGetSalesStatusesResponse:
        # The hot read of list pages: rows as tuples, messages built in place (no model
        # instance, no message copied per status).
        keys = [convert.sale_key(ref) for ref in request.sales]
        rows = operations.batch_get_status_rows(keys)
        response = sales_status_pb2.BatchGetSalesStatusesResponse()
        convert.add_statuses(response.statuses, rows)
        found = {(row[0], row[1]) for row in rows}  # operations.STATUS_COLUMNS
        response.missing.extend(
            convert.sale_ref(key) for key in dict.fromkeys(keys) if key not in found
        )
        if request.include_channels:
            channel_ids = {row[3] for row in rows if row[3]}
            response.channels.extend(
                convert.channel_message(row) for row in operations.channels_with_ids(channel_ids)
            )
        return response

    @rpc
    def ListSalesStatuses(
        self, request, context: Context
    ) -> sales_status_pb2.ListSalesStatusesResponse:
        after_id, limit = convert.page(request.page_size, request.page_token)
        rows = operations.list_statuses(
            after_id=after_id,
            limit=limit + 1,
            kind=to_text(sales_status_pb2.SaleKind, request.kind),
            state=to_text(sales_status_pb2.SaleState, request.state),
            channel_id=request.channel_id or None,
        )
        rows, token = convert.page_and_token(rows, limit)
        return sales_status_pb2.ListSalesStatusesResponse(
            statuses=[convert.status_message(row) for row in rows], next_page_token=token
        )

    @rpc
    def CreateSalesStatus(self, request, context: Context) -> sales_status_pb2.SalesStatus:
        row = operations.create_status(
            convert.sale_key(request.sale),
            state=to_text(sales_status_pb2.SaleState, request.state) or "draft",
            channel_id=request.channel_id or None,
            updated_by_id=request.updated_by_user_id or None,
        )
        return convert.status_message(row)

    @rpc
    def UpdateSalesStatus(self, request, context: Context) -> sales_status_pb2.SalesStatus:
        state = None
        if request.HasField("state"):
            state = to_text(sales_status_pb2.SaleState, request.state) or "unspecified"
        row = operations.update_status(
            convert.sale_key(request.sale),
            state=state,
            channel_id=request.channel_id if request.HasField("channel_id") else None,
            updated_by_id=request.updated_by_user_id or None,
        )
        return convert.status_message(row)

    @rpc
    def DeleteSalesStatus(
        self, request, context: Context
    ) -> sales_status_pb2.DeleteSalesStatusResponse:
        operations.delete_status(convert.sale_key(request.sale))
        return sales_status_pb2.DeleteSalesStatusResponse()
