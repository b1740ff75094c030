import CZlib

/// CRC-32 (IEEE 802.3, the polynomial of zlib, gzip and PNG: `crc32("123456789") == 0xCBF43926`),
/// computed by zlib. Guards the snapshot files, the journal's starting state and each journal
/// batch: any burst of damage up to 32 bits long is caught, a longer one but for one chance in
/// 4 billion. The values are zlib's own, so any tool that computes zlib's `crc32` checks them.
///
/// ```swift
/// var crc = CRC32.checksum(header)
/// crc = CRC32.checksum(payload, continuing: crc)   // the same as one checksum of header + payload
/// ```
///
/// - Complexity: O(n) in the bytes given.
public enum CRC32 {
    /// The checksum of `bytes`, continuing one computed over the bytes before them (0 to start).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing previous: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return previous }
        // crc32_z takes a length of any size (crc32 only 32 bits of it).
        return UInt32(truncatingIfNeeded: crc32_z(uLong(previous), base.assumingMemoryBound(to: Bytef.self), z_size_t(bytes.count)))
    }

    /// The checksum of `bytes`, continuing one computed over the bytes before them (0 to start).
    public static func checksum(_ bytes: [UInt8], continuing previous: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: previous) }
    }
}
