#!/usr/bin/env python3
"""An independent JetStream client for the change-event tests (nats-py, not mediagw's client).

  jetstream.py URL create STREAM SUBJECT [MAX]
                                           creates a file-backed stream taking SUBJECT (refusing
                                           new messages beyond MAX, when given)
  jetstream.py URL limit STREAM MAX        changes that limit (0: none)
  jetstream.py URL count STREAM            prints how many messages the stream holds
  jetstream.py URL read STREAM             prints each message in the stream as one JSON line:
                                           {"seq", "subject", "id" (Nats-Msg-Id), "data"}
"""
import asyncio, json, sys

import nats
from nats.js.api import DiscardPolicy, StreamConfig, StorageType


async def main(url, command, stream, *rest):
    connection = await nats.connect(url, connect_timeout=5, allow_reconnect=False, max_reconnect_attempts=0)
    try:
        jetstream = connection.jetstream()
        if command == "create":
            limit = int(rest[1]) if len(rest) > 1 else -1
            await jetstream.add_stream(StreamConfig(
                name=stream, subjects=[rest[0]], storage=StorageType.FILE, max_msgs=limit, discard=DiscardPolicy.NEW,
            ))
            print("created")
        elif command == "limit":
            config = (await jetstream.stream_info(stream)).config
            config.max_msgs = int(rest[0]) or -1
            await jetstream.update_stream(config)
            print("limited")
        elif command == "count":
            print((await jetstream.stream_info(stream)).state.messages)
        elif command == "read":
            info = await jetstream.stream_info(stream)
            if info.state.messages == 0:
                return
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                message = await jetstream.get_msg(stream, seq)
                print(json.dumps({
                    "seq": message.seq, "subject": message.subject,
                    "id": (message.headers or {}).get("Nats-Msg-Id"), "data": json.loads(message.data),
                }))
    finally:
        await connection.close()


asyncio.run(main(*sys.argv[1:]))
