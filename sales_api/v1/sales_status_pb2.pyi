import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sales_api.v1 import channels_pb2 as _channels_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SaleKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SALE_KIND_UNSPECIFIED: _ClassVar[SaleKind]
    SALE_KIND_CAR: _ClassVar[SaleKind]
    SALE_KIND_BIKE: _ClassVar[SaleKind]
    SALE_KIND_TOY: _ClassVar[SaleKind]

class SaleState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SALE_STATE_UNSPECIFIED: _ClassVar[SaleState]
    SALE_STATE_DRAFT: _ClassVar[SaleState]
    SALE_STATE_ON_SALE: _ClassVar[SaleState]
    SALE_STATE_RESERVED: _ClassVar[SaleState]
    SALE_STATE_SOLD: _ClassVar[SaleState]
    SALE_STATE_WITHDRAWN: _ClassVar[SaleState]
SALE_KIND_UNSPECIFIED: SaleKind
SALE_KIND_CAR: SaleKind
SALE_KIND_BIKE: SaleKind
SALE_KIND_TOY: SaleKind
SALE_STATE_UNSPECIFIED: SaleState
SALE_STATE_DRAFT: SaleState
SALE_STATE_ON_SALE: SaleState
SALE_STATE_RESERVED: SaleState
SALE_STATE_SOLD: SaleState
SALE_STATE_WITHDRAWN: SaleState

class SaleRef(_message.Message):
    __slots__ = ("kind", "id")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    kind: SaleKind
    id: int
    def __init__(self, kind: _Optional[_Union[SaleKind, str]] = ..., id: _Optional[int] = ...) -> None: ...

class SalesStatus(_message.Message):
    __slots__ = ("sale", "state", "channel_id", "updated_by_user_id", "create_time", "update_time")
    SALE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_USER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    sale: SaleRef
    state: SaleState
    channel_id: int
    updated_by_user_id: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, sale: _Optional[_Union[SaleRef, _Mapping]] = ..., state: _Optional[_Union[SaleState, str]] = ..., channel_id: _Optional[int] = ..., updated_by_user_id: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetSalesStatusRequest(_message.Message):
    __slots__ = ("sale",)
    SALE_FIELD_NUMBER: _ClassVar[int]
    sale: SaleRef
    def __init__(self, sale: _Optional[_Union[SaleRef, _Mapping]] = ...) -> None: ...

class BatchGetSalesStatusesRequest(_message.Message):
    __slots__ = ("sales", "include_channels")
    SALES_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    sales: _containers.RepeatedCompositeFieldContainer[SaleRef]
    include_channels: bool
    def __init__(self, sales: _Optional[_Iterable[_Union[SaleRef, _Mapping]]] = ..., include_channels: _Optional[bool] = ...) -> None: ...

class BatchGetSalesStatusesResponse(_message.Message):
    __slots__ = ("statuses", "missing", "channels")
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedCompositeFieldContainer[SalesStatus]
    missing: _containers.RepeatedCompositeFieldContainer[SaleRef]
    channels: _containers.RepeatedCompositeFieldContainer[_channels_pb2.Channel]
    def __init__(self, statuses: _Optional[_Iterable[_Union[SalesStatus, _Mapping]]] = ..., missing: _Optional[_Iterable[_Union[SaleRef, _Mapping]]] = ..., channels: _Optional[_Iterable[_Union[_channels_pb2.Channel, _Mapping]]] = ...) -> None: ...

class ListSalesStatusesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "kind", "state", "channel_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    kind: SaleKind
    state: SaleState
    channel_id: int
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., kind: _Optional[_Union[SaleKind, str]] = ..., state: _Optional[_Union[SaleState, str]] = ..., channel_id: _Optional[int] = ...) -> None: ...

class ListSalesStatusesResponse(_message.Message):
    __slots__ = ("statuses", "next_page_token")
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedCompositeFieldContainer[SalesStatus]
    next_page_token: str
    def __init__(self, statuses: _Optional[_Iterable[_Union[SalesStatus, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateSalesStatusRequest(_message.Message):
    __slots__ = ("sale", "state", "channel_id", "updated_by_user_id", "idempotency_key")
    SALE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_USER_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    sale: SaleRef
    state: SaleState
    channel_id: int
    updated_by_user_id: int
    idempotency_key: str
    def __init__(self, sale: _Optional[_Union[SaleRef, _Mapping]] = ..., state: _Optional[_Union[SaleState, str]] = ..., channel_id: _Optional[int] = ..., updated_by_user_id: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class UpdateSalesStatusRequest(_message.Message):
    __slots__ = ("sale", "state", "channel_id", "updated_by_user_id", "idempotency_key")
    SALE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_USER_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    sale: SaleRef
    state: SaleState
    channel_id: int
    updated_by_user_id: int
    idempotency_key: str
    def __init__(self, sale: _Optional[_Union[SaleRef, _Mapping]] = ..., state: _Optional[_Union[SaleState, str]] = ..., channel_id: _Optional[int] = ..., updated_by_user_id: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class DeleteSalesStatusRequest(_message.Message):
    __slots__ = ("sale", "idempotency_key")
    SALE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    sale: SaleRef
    idempotency_key: str
    def __init__(self, sale: _Optional[_Union[SaleRef, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class DeleteSalesStatusResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
