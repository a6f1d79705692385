namespace Vigil.Collection.Relabel;

/// <summary>What a relabelling step does (Prometheus's <c>action</c>, case-insensitive in the file).</summary>
public enum RelabelAction
{
    /// <summary>Sets <c>target_label</c> to the expanded <c>replacement</c> when <c>regex</c> matches the source value.</summary>
    Replace,

    /// <summary>Drops the target or series unless <c>regex</c> matches the source value.</summary>
    Keep,

    /// <summary>Drops the target or series when <c>regex</c> matches the source value.</summary>
    Drop,

    /// <summary>Drops the target or series unless the source value equals the value of <c>target_label</c>.</summary>
    KeepEqual,

    /// <summary>Drops the target or series when the source value equals the value of <c>target_label</c>.</summary>
    DropEqual,

    /// <summary>Sets <c>target_label</c> to the MD5 hash of the source value modulo <c>modulus</c>.</summary>
    HashMod,

    /// <summary>Copies every label whose name matches <c>regex</c> to the name given by <c>replacement</c>.</summary>
    LabelMap,

    /// <summary>Removes every label whose name matches <c>regex</c>.</summary>
    LabelDrop,

    /// <summary>Removes every label whose name does not match <c>regex</c>.</summary>
    LabelKeep,

    /// <summary>Sets <c>target_label</c> to the lower-cased source value.</summary>
    Lowercase,

    /// <summary>Sets <c>target_label</c> to the upper-cased source value.</summary>
    Uppercase,
}
