"""The baseline of the remote route: a bare grpcio server answering GetChannel.

Same single-row ORM query and message conversion as the carved service, with nothing of the
toolkit around it: no interceptors (auth, request log, idempotency), no error mapping.
Run by ``bench.routing``: ``python -m bench._bare_sales DATABASE_URL`` prints its port.
"""

from __future__ import annotations

import os
import sys
from concurrent import futures


def main(database_url: str) -> None:
    os.environ["CARVED_DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "carved_service.settings"
    import django

    django.setup()
    import grpc

    from carved_service.sales.convert import channel_message
    from carved_service.sales.models import Channel
    from sales_api.v1 import channels_pb2_grpc

    class Bare(channels_pb2_grpc.ChannelServiceServicer):
        def GetChannel(self, request, context):  # noqa: N802 - gRPC's name
            return channel_message(Channel.objects.get(pk=request.id))

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    channels_pb2_grpc.add_ChannelServiceServicer_to_server(Bare(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"bare listening on 127.0.0.1:{port}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main(sys.argv[1])
