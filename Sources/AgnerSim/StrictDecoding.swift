import AgnerCore
import Foundation

/// Any key, to see every key a mapping holds.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = "Index \(intValue)"
        self.intValue = intValue
    }
}

extension Decoder {
    /// A keyed container that refuses keys the type does not know, suggesting the closest one.
    func strictContainer<Key: CodingKey & CaseIterable>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let all = try container(keyedBy: AnyKey.self)
        let known = Key.allCases.map(\.stringValue)
        for key in all.allKeys where !known.contains(key.stringValue) {
            var message = "unknown key '\(key.stringValue)'"
            if let close = closest(key.stringValue, in: known) { message += "; did you mean '\(close)'?" }
            else { message += " (known: \(known.joined(separator: ", ")))" }
            throw FieldError(codingPath + [key], message)
        }
        return try container(keyedBy: Key.self)
    }

    func fail(_ message: String) -> FieldError { FieldError(codingPath, message) }
}

extension KeyedDecodingContainer {
    func fail(_ key: Key, _ message: String) -> FieldError { FieldError(codingPath + [key], message) }

    func duration(_ key: Key) throws -> Seconds? {
        try decodeIfPresent(DurationValue.self, forKey: key)?.seconds
    }

    /// A duration inside `range`, or nil when the key is absent.
    func duration(_ key: Key, in range: ClosedRange<Seconds>) throws -> Seconds? {
        guard let seconds = try duration(key) else { return nil }
        guard range.contains(seconds) else { throw fail(key, Bounds.outside(seconds, range, unit: .duration)) }
        return seconds
    }

    /// A number inside `range`, or nil when the key is absent.
    func number(_ key: Key, in range: ClosedRange<Double>) throws -> Double? {
        guard let value = try decodeIfPresent(Double.self, forKey: key) else { return nil }
        guard range.contains(value) else { throw fail(key, Bounds.outside(value, range, unit: .plain)) }
        return value
    }

    /// A whole number inside `range`, or nil when the key is absent.
    func wholeNumber(_ key: Key, in range: ClosedRange<Int>) throws -> Int? {
        guard contains(key) else { return nil }
        guard let value = try? decode(Int.self, forKey: key) else {
            throw fail(key, "expected a whole number from \(Bounds.plain(range.lowerBound)) to \(Bounds.plain(range.upperBound))")
        }
        guard range.contains(value) else {
            throw fail(key, "\(Bounds.plain(value)) is outside \(Bounds.plain(range.lowerBound))–\(Bounds.plain(range.upperBound))")
        }
        return value
    }

    func fraction(_ key: Key) throws -> Double? {
        try decodeIfPresent(FractionValue.self, forKey: key)?.value
    }

    func window(_ key: Key) throws -> DailyWindow?? {
        try decodeIfPresent(WindowValue.self, forKey: key).map { $0.window }
    }

    /// A mapping whose keys are names (skills, channels, segments, weekdays).
    func named<Value: Decodable>(_ key: Key, _ type: Value.Type) throws -> [(name: String, value: Value, path: FieldPath)]? {
        guard contains(key) else { return nil }
        let nested = try nestedContainer(keyedBy: AnyKey.self, forKey: key)
        // Keep the file's order: decisions and reports must not depend on hashing.
        return try nested.allKeys.map { name in
            (name.stringValue, try nested.decode(Value.self, forKey: name), FieldPath(codingPath: nested.codingPath + [name]))
        }
    }
}

/// Levenshtein distance ≤ 2, for "did you mean".
func closest(_ word: String, in candidates: [String]) -> String? {
    func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        var previous = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(1, b.count) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
    let scored = candidates.map { ($0, distance(word, $0)) }.filter { $0.1 <= 2 }
    return scored.min { $0.1 < $1.1 }?.0
}

/// `300s`, `5min`, `4h`, or a number of seconds.
struct DurationValue: Decodable {
    var seconds: Seconds
    init(from decoder: Decoder) throws {
        let single = try decoder.singleValueContainer()
        if let number = try? single.decode(Double.self) {
            guard !number.isNaN else { throw decoder.fail("a duration must be a number of seconds or a quantity such as 90s, 5min or 2h, not .nan") }
            guard number.isFinite else { throw decoder.fail("a duration must be finite") }
            guard number >= 0 else { throw decoder.fail("a duration cannot be negative") }
            seconds = number
            return
        }
        let text = try single.decode(String.self)
        do { seconds = try Quantities.duration(text) } catch { throw decoder.fail(error.description) }
    }
}

/// `0.8` or `80%`.
struct FractionValue: Decodable {
    var value: Double
    init(from decoder: Decoder) throws {
        let single = try decoder.singleValueContainer()
        if let number = try? single.decode(Double.self) {
            value = number
        } else {
            let text = try single.decode(String.self).trimmingCharacters(in: .whitespaces)
            guard text.hasSuffix("%"), let percent = Double(text.dropLast().trimmingCharacters(in: .whitespaces)) else {
                throw decoder.fail("'\(text)' is not a share (write 0.8 or 80%)")
            }
            value = percent / 100
        }
        guard (0...1).contains(value) else { throw decoder.fail("\(value) is outside 0–1 (0 %–100 %)") }
    }
}

/// `9.5/min`, `570/h`.
struct RateValue: Decodable {
    var perSecond: Double
    init(from decoder: Decoder) throws {
        let single = try decoder.singleValueContainer()
        let text = try single.decode(String.self)
        do { perSecond = try Quantities.rate(text) } catch { throw decoder.fail(error.description) }
        guard ScenarioLimits.ratePerSecond.contains(perSecond) else {
            throw decoder.fail("a rate of \(Bounds.outside(perSecond, ScenarioLimits.ratePerSecond, unit: .rate))")
        }
    }
}

/// `08:00-20:00`, `24h`, or `closed` (nil).
struct WindowValue: Decodable {
    var window: DailyWindow?
    init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self).trimmingCharacters(in: .whitespaces)
        switch text.lowercased() {
        case "closed", "off": window = nil
        case "24h", "always", "00:00-24:00": window = .allDay
        default:
            let parts = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { throw decoder.fail("'\(text)' is not a time window (write 08:00-20:00, 24h or closed)") }
            do {
                let start = try Quantities.clock(parts[0])
                let end = try Quantities.clock(parts[1])
                guard end > start else { throw decoder.fail("the window '\(text)' ends before it starts") }
                window = DailyWindow(start: start, end: end)
            } catch let error as Quantities.Invalid {
                throw decoder.fail(error.description)
            }
        }
    }
}

/// Words for a value outside its range, in the units the file uses.
enum Bounds {
    enum Unit { case plain, duration, rate }

    static func outside(_ value: Double, _ range: ClosedRange<Double>, unit: Unit) -> String {
        "\(show(value, unit)) is outside \(show(range.lowerBound, unit))–\(show(range.upperBound, unit))"
    }

    static func show(_ value: Double, _ unit: Unit) -> String {
        switch unit {
        case .plain: plain(value)
        case .duration: value.isFinite && abs(value) < 1e12 ? Quantities.format(duration: value) : plain(value) + " s"
        case .rate: plain(value * 3600) + "/h"
        }
    }

    /// A number as people write it: whole numbers with thousands separators, others with up to
    /// four significant digits; huge and non-finite values without a crash.
    static func plain(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "infinity" : "-infinity") }
        if abs(value) >= 1e15 { return String(format: "%g", value) }
        if value == value.rounded() { return plain(Int(value)) }
        return String(format: "%.4g", value)
    }

    /// A whole number with thousands grouped, every digit shown (`9,223,372,036,854,775,807`).
    static func plain(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(character)
        }
        return (value < 0 ? "-" : "") + grouped
    }
}

/// A shift: `08:00-16:00`, or past midnight `22:00-06:00` (ends the next day), or `24h`.
struct ShiftValue: Decodable {
    var shift: Shift
    init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self).trimmingCharacters(in: .whitespaces)
        if ["24h", "always", "00:00-24:00"].contains(text.lowercased()) {
            shift = Shift(start: 0, length: 86_400)
            return
        }
        let parts = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { throw decoder.fail("'\(text)' is not a shift (write 08:00-16:00, or 22:00-06:00 for one past midnight)") }
        do {
            let start = try Quantities.clock(parts[0])
            var end = try Quantities.clock(parts[1])
            guard start < 86_400 else { throw decoder.fail("a shift starts before 24:00") }
            if end <= start { end += 86_400 }  // past midnight
            guard end - start < 86_400 || (start == 0 && end == 86_400) else { throw decoder.fail("the shift '\(text)' has no length") }
            shift = Shift(start: start, length: end - start)
        } catch let error as Quantities.Invalid {
            throw decoder.fail(error.description)
        }
    }
}
