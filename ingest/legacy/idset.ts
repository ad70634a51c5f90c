// A compact set of legacy record ids (`lg_` + 32 hex digits of SHA-256) for
// the importer's duplicate check: 16 bytes per id in one open-addressing
// table instead of a JS string per id (~100 bytes), so a 2,000,000-line
// import keeps its "seen" set in ~64 MB. An id is kept as two 52-bit numbers
// (104 of its 128 bits; two different records agree on them with probability
// ~2^-104 — never, in practice).

const HEX = /^lg_[0-9a-f]{26}/;

export class IdSet {
  private table: Float64Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 1 << 16) {
    let slots = 1;
    while (slots < capacity * 2) slots <<= 1;
    this.table = new Float64Array(slots * 2).fill(-1);
    this.mask = slots - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Add `id`; true when it was not there yet. */
  add(id: string): boolean {
    const [hi, lo] = split(id);
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    return this.insert(hi, lo);
  }

  has(id: string): boolean {
    const [hi, lo] = split(id);
    for (let slot = hi % (this.mask + 1); ; slot = (slot + 1) & this.mask) {
      const h = this.table[slot * 2];
      if (h === -1) return false;
      if (h === hi && this.table[slot * 2 + 1] === lo) return true;
    }
  }

  private insert(hi: number, lo: number): boolean {
    for (let slot = hi % (this.mask + 1); ; slot = (slot + 1) & this.mask) {
      const h = this.table[slot * 2];
      if (h === -1) {
        this.table[slot * 2] = hi;
        this.table[slot * 2 + 1] = lo;
        this.count++;
        return true;
      }
      if (h === hi && this.table[slot * 2 + 1] === lo) return false;
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Float64Array(old.length * 2).fill(-1);
    this.mask = this.mask * 2 + 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== -1) this.insert(old[i], old[i + 1]);
  }
}

function split(id: string): [number, number] {
  if (!HEX.test(id)) throw new Error(`not a legacy record id: "${id.slice(0, 40)}"`);
  return [parseInt(id.slice(3, 16), 16), parseInt(id.slice(16, 29), 16)];
}
