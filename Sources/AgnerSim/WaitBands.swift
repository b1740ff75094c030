/// How long answered contacts waited, in bands of 10 s: band k (0–11) holds waits of at most
/// (k + 1) × 10 s and more than k × 10 s (band 0 also holds no wait at all); band 12 holds
/// waits longer than 120 s. The share answered within 10, 20, …, 120 s is a running sum of
/// the bands (docs/simulation.md, "Waiting-time distribution").
public enum WaitBands {
    /// Band width, seconds.
    public static let width: Double = 10
    /// Bands up to 120 s, then one for longer waits.
    public static let count = 13
    /// The limits the bands end at, seconds: 10, 20, …, 120.
    public static let limits: [Double] = (1..<count).map { Double($0) * width }

    /// The band of a wait (seconds). - Complexity: O(1).
    @inline(__always)
    public static func band(of wait: Double) -> Int {
        guard wait > width else { return 0 }
        return min(count - 1, Int((wait / width).rounded(.up)) - 1)
    }
}
