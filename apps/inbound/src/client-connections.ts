/**
 * Open SMTP connections per client address, so one client cannot take every connection the server has:
 * `acquire` refuses the connection beyond `perClient`, `release` (on close) frees its place. A connection that
 * was refused never held a place, so releasing it changes nothing.
 */
export class ClientConnections {
  private readonly byAddress = new Map<string, number>();
  private readonly addressOf = new Map<string, string>();

  constructor(private readonly perClient: number) {}

  acquire(connectionId: string, address: string): boolean {
    const open = this.byAddress.get(address) ?? 0;
    if (open >= this.perClient) return false;
    this.byAddress.set(address, open + 1);
    this.addressOf.set(connectionId, address);
    return true;
  }

  release(connectionId: string): void {
    const address = this.addressOf.get(connectionId);
    if (address === undefined) return;
    this.addressOf.delete(connectionId);
    const open = (this.byAddress.get(address) ?? 1) - 1;
    if (open > 0) this.byAddress.set(address, open);
    else this.byAddress.delete(address);
  }

  /** Connections open now (all clients). */
  get size(): number {
    return this.addressOf.size;
  }
}
