/**
 * A fresh TestServer, a client of it and the models a test made, for every test of a spec
 * file: `const harness = new ServerHarness()` at the file's top level registers the
 * beforeEach/afterEach that start the server and, after the test, dispose of what the test
 * tracked and of its event socket and close the server. One harness, so that every spec
 * cleans up the same way (a model left subscribed would keep polling a closed server).
 */
import { LabstudioClient } from '../api';
import { EventStream } from '../events';
import { TestServer } from './server';

export class ServerHarness {
  server!: TestServer;
  client!: LabstudioClient;
  /** The event socket `connectEvents` opened in this test, if any. */
  events: EventStream | null = null;
  private readonly disposables: { dispose(): void }[] = [];
  private eventId = 0;

  constructor() {
    beforeEach(async () => {
      this.server = await TestServer.start();
      this.client = new LabstudioClient({
        serverSettings: this.server.settings()
      });
    });
    afterEach(async () => {
      this.disposables.splice(0).forEach(d => d.dispose());
      this.events?.dispose();
      this.events = null;
      await this.server.close();
    });
  }

  /** Open the panel's event socket to the test server (retrying quickly). */
  readonly connectEvents = (): EventStream => {
    this.events = new EventStream({
      url: () => this.client.eventsUrl(),
      minDelay: 50,
      maxDelay: 100
    });
    return this.events;
  };

  /** Dispose of `model` after the test. */
  readonly track = <T extends { dispose(): void }>(model: T): T => {
    this.disposables.push(model);
    return model;
  };

  /** Send a server event to every connected socket. */
  readonly broadcast = (
    kind: string,
    payload: Record<string, unknown>
  ): void => {
    this.server.broadcast({ id: ++this.eventId, time: 0, kind, payload });
  };
}
