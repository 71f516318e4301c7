import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { startIotDataEmulator, type IotDataEmulatorOptions } from '../../local/emulators/iot-data.js';

type Publish = IotDataEmulatorOptions['publish'];

async function setup(publish: Publish = async () => undefined) {
  const spy = vi.fn(publish);
  const emulator = await startIotDataEmulator({ publish: spy });
  // maxAttempts 1: a retried 5xx would hide emulator faults and slow the tests down.
  const iot = new IoTDataPlaneClient({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  onTestFinished(async () => {
    iot.destroy();
    await emulator.close();
  });
  return { emulator, iot, publish: spy };
}

async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof Error)) throw new Error('expected the call to fail');
  return error;
}

describe('IoT data-plane emulator', () => {
  it('hands a Publish to the callback with the exact topic, payload, qos and retain', async () => {
    const { iot, publish } = await setup();
    const payload = new Uint8Array([0, 1, 2, 250, 255]);
    const answer = await iot.send(new PublishCommand({ topic: 'telehealth/devices/dev-1/commands', payload, qos: 1, retain: false }));
    expect(answer.$metadata.httpStatusCode).toBe(200);
    expect(publish).toHaveBeenCalledExactlyOnceWith('telehealth/devices/dev-1/commands', Buffer.from(payload), 1, false);

    await iot.send(new PublishCommand({ topic: 'status/dev-1', payload: '{"online":true}', retain: true }));
    expect(publish).toHaveBeenLastCalledWith('status/dev-1', Buffer.from('{"online":true}'), 0, true);

    await iot.send(new PublishCommand({ topic: 'status/dev-1' }));
    expect(publish).toHaveBeenLastCalledWith('status/dev-1', Buffer.alloc(0), 0, false);
  });

  it('keeps characters that need URL encoding and accepts Basic Ingest topics', async () => {
    const { iot, publish } = await setup();
    const topic = 'a b/ümlaut/%25/?x=1&y';
    await iot.send(new PublishCommand({ topic, payload: 'x' }));
    expect(publish).toHaveBeenLastCalledWith(topic, Buffer.from('x'), 0, false);
    // The $aws/rules/{rule}/ prefix does not count toward the seven-slash limit.
    const ingest = '$aws/rules/telemetry_rule/a/b/c/d/e/f/g/h';
    await iot.send(new PublishCommand({ topic: ingest, payload: 'x', qos: 1 }));
    expect(publish).toHaveBeenLastCalledWith(ingest, Buffer.from('x'), 1, false);
  });

  it('rejects invalid topics and qos with InvalidRequestException', async () => {
    const { iot, publish } = await setup();
    const cases: [string, PublishCommand][] = [
      ['single-level wildcard', new PublishCommand({ topic: 'devices/+/status', payload: 'x' })],
      ['multi-level wildcard', new PublishCommand({ topic: 'devices/#', payload: 'x' })],
      ['reserved topic', new PublishCommand({ topic: '$aws/things/dev-1/shadow/update', payload: 'x' })],
      ['reserved, not AWS', new PublishCommand({ topic: '$SYS/broker', payload: 'x' })],
      ['Basic Ingest without a valid rule name', new PublishCommand({ topic: '$aws/rules/bad-name/x', payload: 'x' })],
      ['eight slashes', new PublishCommand({ topic: 'a/b/c/d/e/f/g/h/i', payload: 'x' })],
      ['over 256 bytes', new PublishCommand({ topic: 'é'.repeat(129), payload: 'x' })],
      ['qos 2', new PublishCommand({ topic: 'devices/dev-1', payload: 'x', qos: 2 })],
    ];
    for (const [label, command] of cases) {
      const error = await rejection(iot.send(command));
      expect({ label, name: error.name, status: error.$metadata?.httpStatusCode }).toEqual({ label, name: 'InvalidRequestException', status: 400 });
    }
    // The limits themselves are allowed.
    await iot.send(new PublishCommand({ topic: 'a/b/c/d/e/f/g/h', payload: 'x' }));
    await iot.send(new PublishCommand({ topic: 'é'.repeat(128), payload: 'x' }));
    expect(publish).toHaveBeenCalledTimes(2);
  });

  it('rejects payloads over 128 KB with RequestEntityTooLargeException', async () => {
    const { iot, publish } = await setup();
    const tooLarge = await rejection(iot.send(new PublishCommand({ topic: 'big', payload: new Uint8Array(128 * 1024 + 1) })));
    expect(tooLarge.name).toBe('RequestEntityTooLargeException');
    expect(tooLarge.$metadata?.httpStatusCode).toBe(413);
    expect(publish).not.toHaveBeenCalled();
    await iot.send(new PublishCommand({ topic: 'big', payload: new Uint8Array(128 * 1024).fill(7) }));
    // equals() rather than toEqual: a deep diff of 128 K elements takes most of a second.
    expect(publish.mock.calls[0]?.[1].equals(Buffer.alloc(128 * 1024, 7))).toBe(true);
  });

  it('answers InternalFailureException when delivery fails', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    onTestFinished(() => logged.mockRestore());
    const { iot } = await setup(async () => {
      throw new Error('broker down');
    });
    const error = await rejection(iot.send(new PublishCommand({ topic: 'devices/dev-1', payload: 'x' })));
    expect(error.name).toBe('InternalFailureException');
    expect(error.$metadata?.httpStatusCode).toBe(500);
    expect(logged).toHaveBeenCalledOnce();
  });

  it('rejects unsigned requests like AWS', async () => {
    const { emulator, publish } = await setup();
    const unsigned = await fetch(`${emulator.url}/topics/devices%2Fdev-1?qos=1`, { method: 'POST', body: 'x' });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await unsigned.json()).toEqual({ message: 'Missing Authentication Token' });
    expect(publish).not.toHaveBeenCalled();
  });
});
