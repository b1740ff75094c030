import AgnerCore
import Foundation

/// Reads the units people write: durations `300s`, `5min`, `4h`, `1.5h` (a bare number is
/// seconds), rates `570/h`, `9.5/min`, `0.2/s`, and clock times `08:30`.
public enum Quantities {
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    public static func duration(_ text: String) throws(Invalid) -> Seconds {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("min", 60), ("s", 1), ("h", 3600), ("d", 86400)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            if let value = Double(number), value.isFinite, value >= 0 { return value * factor }
            break
        }
        if let value = Double(trimmed), value.isFinite, value >= 0 { return value }
        throw Invalid(description: "'\(text)' is not a duration (write e.g. 300s, 5min, 4h)")
    }

    /// Per second.
    public static func rate(_ text: String) throws(Invalid) -> Double {
        let parts = text.split(separator: "/", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        let units: [String: Double] = ["s": 1, "sec": 1, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400]
        guard parts.count == 2, let count = Double(parts[0]), count.isFinite, count >= 0, let per = units[parts[1]] else {
            throw Invalid(description: "'\(text)' is not a rate (write e.g. 570/h, 9.5/min, 0.2/s)")
        }
        return count / per
    }

    /// Seconds after midnight for `HH:MM` (24:00 allowed for the end of a day).
    public static func clock(_ text: String) throws(Invalid) -> Seconds {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]),
              (0...24).contains(hours), (0..<60).contains(minutes), hours < 24 || minutes == 0 else {
            throw Invalid(description: "'\(text)' is not a time of day (write e.g. 08:00, 20:30)")
        }
        return Double(hours * 3600 + minutes * 60)
    }

    /// A short human form: 45 s, 5 min, 4 h, 1.5 h, 30 d.
    public static func format(duration seconds: Seconds) -> String {
        guard seconds.isFinite && abs(seconds) < 1e12 else { return "\(seconds) s" }
        if seconds >= 2 * 86_400 && seconds.truncatingRemainder(dividingBy: 43_200) == 0 { return "\(trim(seconds / 86_400)) d" }
        if seconds >= 3600 && seconds.truncatingRemainder(dividingBy: 1800) == 0 { return "\(trim(seconds / 3600)) h" }
        if seconds >= 120 && seconds.truncatingRemainder(dividingBy: 30) == 0 { return "\(trim(seconds / 60)) min" }
        return "\(trim(seconds)) s"
    }

    static func trim(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
        return abs(value) >= 0.1 ? String(format: "%.1f", value) : String(format: "%g", value)
    }
}
